// The Kotlin tests of cardpointe-mobile's generated bindings, run by `cargo xtask test-kotlin`
// on the JVM (JNA loads the library the way Android's JNA does). A Kotlin object stands in for
// the app's Bluetooth adapter: it implements BleTransport and forwards the bytes to the virtual
// VP3300 (VirtualPeripheral), whose notifications it hands back to the BleLink, as an Android
// BluetoothGattCallback or a CoreBluetooth delegate would.

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import rs.cardpointe.mobile.*
import java.util.Collections
import kotlin.system.exitProcess

/** The test double of the app's BLE adapter: the "GATT" is the virtual peripheral. */
class KotlinBleAdapter(cards: List<VirtualCard>) : BleTransport, PeripheralObserver {
    val peripheral = VirtualPeripheral(cards, this)
    lateinit var link: BleLink
    val written = Collections.synchronizedList(mutableListOf<Int>())

    // BleTransport: what the SDK asks of the app's Bluetooth stack.
    override fun write(data: ByteArray) {
        written.add(data.size)
        peripheral.write(data)
    }
    override fun maxWriteSize(): UInt = peripheral.notificationSize()
    override fun reconnect() = link.onConnected()
    override fun disconnect() {}
    override fun batteryPercent(): UByte? = 87u

    // PeripheralObserver: what the "GATT callback" hears from the reader.
    override fun onNotification(data: ByteArray) = link.onNotification(data)
    override fun onDisconnected() = link.onDisconnected()
}

class RecordingListener : ReaderListener {
    val events = Collections.synchronizedList(mutableListOf<ReaderUiEvent>())
    val statuses = Collections.synchronizedList(mutableListOf<ConnectionStatus>())
    override fun onEvent(event: ReaderUiEvent) { events.add(event) }
    override fun onStatus(status: ConnectionStatus) { statuses.add(status) }
}

fun check(condition: Boolean, message: () -> String) {
    if (!condition) throw AssertionError(message())
}

fun readsAChipCardThroughAKotlinLinkTokenizesItAndCompletesTheTransaction(emulator: TestEmulator) = runBlocking {
    withTimeout(60_000) {
        val adapter = KotlinBleAdapter(listOf(VirtualCard(TestCardKind.VISA, PresentMethod.INSERT, 50uL)))
        adapter.link = BleLink(adapter)
        val listener = RecordingListener()
        val reader = connectReader(
            ReaderSource.Bluetooth(adapter.link, adapter.peripheral.name()),
            listener,
            ReaderOptions(),
        )
        val info = reader.info()
        check(!info.isVirtual) { "a Bluetooth link is not the virtual reader: $info" }
        check(info.firmware?.startsWith("VP3300") == true) { "firmware: $info" }
        check(info.batteryPercent == 87.toUByte()) { "battery from the adapter: $info" }
        check(reader.status() == ConnectionStatus.Connected) { "status: ${reader.status()}" }

        val card = reader.readCard(ReadRequest(amountMinor = 1999uL, swipe = true, insert = true, tap = false))
        check(card.readMethod() == ReadMethodKind.CHIP) { "read method: ${card.readMethod()}" }
        check(card.maskedPan() == "4788********1443") { "masked PAN: ${card.maskedPan()}" }
        check(card.isEncrypted()) { "reader data is encrypted" }
        check(listener.events.any { it is ReaderUiEvent.WaitingForCard }) { "events: ${listener.events}" }
        check(listener.events.contains(ReaderUiEvent.CardInserted)) { "events: ${listener.events}" }
        check(adapter.written.all { it <= 20 }) { "writes cut to the write size: ${adapter.written}" }

        val tokenizer = Tokenizer(emulator.cardsecureConfig())
        val token = tokenizer.tokenizeReaderCard(card)
        check(token.token.startsWith("9")) { "a CardSecure token" }
        check(token.lastFour == "1443") { "token last four: ${token.lastFour}" }

        val outcome = reader.complete(HostAnswer.Approved(null))
        check(outcome.approved) { "the card approves after the host: $outcome" }
        check(outcome.responseCode == "00") { "ARC: $outcome" }

        reader.disconnect()
        check(reader.status() is ConnectionStatus.NotConnected) { "after disconnect: ${reader.status()}" }
        try {
            reader.cancel()
            throw AssertionError("a disconnected reader refuses calls")
        } catch (e: ReaderException.NotConnected) {
        }
    }
}

fun keysACardValidatesAndTokenizesIt(emulator: TestEmulator) = runBlocking {
    // What a card form does as the user types, then on submit.
    check(cardBrand("4111 11") == CardBrand.VISA) { "brand as typed" }
    val info = validateCard("4111-1111-1111-1111", "12/30", "123")
    check(info.brand == CardBrand.VISA && info.bin == "411111" && info.lastFour == "1111") { "validated: $info" }
    check(info.masked == "4111 11** **** 1111") { "masked: ${info.masked}" }
    check(!info.toString().contains("4111111111111111")) { "the record holds no card number: $info" }

    val tokenizer = Tokenizer(emulator.cardsecureConfig())
    val token = tokenizer.tokenizeCard("4111 1111 1111 1111", "12/30", "123")
    check(token.token.startsWith("9") && token.token.length == 16) { "a CardSecure token" }
    check(token.token != "4111111111111111" && token.lastFour == "1111") { "token: ${token.lastFour}" }
    check(token.brand == CardBrand.VISA) { "brand hint: ${token.brand}" }

    // Refused locally, before anything is sent.
    try {
        tokenizer.tokenizeCard("4111 1111 1111 1111", "01/20", null)
        throw AssertionError("an expired card is refused before sending")
    } catch (e: TokenizeException.Invalid) {
        check(!e.message!!.contains("41111111")) { "no card number in: ${e.message}" }
    }
    try {
        tokenizer.tokenizeGooglePay("{}")
        throw AssertionError("a Google Pay token that is not the wallet's JSON is refused")
    } catch (e: TokenizeException.Invalid) {
    }
    val ach = tokenizer.tokenizeAch("036001808", "1234567890")
    check(ach.lastFour == "7890") { "ACH token last four: ${ach.lastFour}" }
}

fun theCardUtilitiesFollowTheBrandRules() {
    check(cardBrand("3714 49") == CardBrand.AMEX) { "brand from the first digits" }
    check(cardBrand("2223-0000") == CardBrand.MASTERCARD) { "2-series Mastercard" }
    check(cardBrand("9418 5941") == null) { "a token is no brand" }
    check(cardBrandName(CardBrand.AMEX) == "American Express") { "name: ${cardBrandName(CardBrand.AMEX)}" }
    check(cvvLength(CardBrand.AMEX) == 4.toUByte() && cvvLength(CardBrand.VISA) == 3.toUByte()) { "CVV lengths" }
    check(cardNumberLengths(CardBrand.AMEX) == listOf(15u)) { "Amex lengths" }
    check(passesLuhnCheck("4111111111111111") && !passesLuhnCheck("4111111111111112")) { "Luhn" }
    check(maskCardNumber("4111111111111111", MaskFormat.FIRST_SIX_LAST_FOUR, false) == "411111******1111") { "6+4" }
    check(maskCardNumber("4111111111111111", MaskFormat.LAST_FOUR, true) == "**** **** **** 1111") { "last four" }
    check(maskCardNumber("4111111111111111", MaskFormat.GATEWAY, false) == "41XXXXXXXXXX1111") { "gateway" }
    val amex = validateCardNumber("3714 496353 98431")
    check(amex.brand == CardBrand.AMEX && amex.masked == "3714 49**** *8431") { "Amex: $amex" }
    val expiry = validateExpiry("12/2030")
    check(expiry.month == 12.toUByte() && expiry.year == 2030.toUShort()) { "expiry: $expiry" }
    validateCvv("1234", CardBrand.AMEX)

    fun <E : Throwable> refused(kind: Class<E>, what: String, call: () -> Unit) {
        try {
            call()
            throw AssertionError("$what: accepted")
        } catch (e: Throwable) {
            check(kind.isInstance(e)) { "$what: $e" }
            check(!(e.message ?: "").contains("41111111")) { "$what: card number in ${e.message}" }
        }
    }
    refused(CardEntryException.LuhnCheckFailed::class.java, "Luhn") { validateCardNumber("4111 1111 1111 1112") }
    refused(CardEntryException.NumberLength::class.java, "length") { validateCardNumber("4111 1111 1111") }
    refused(CardEntryException.NumberIsToken::class.java, "token") { validateCardNumber("9418594164541111") }
    refused(CardEntryException.NumberCharacter::class.java, "letter") { validateCardNumber("4111a") }
    refused(CardEntryException.ExpiryFormat::class.java, "month 13") { validateExpiry("13/30") }
    refused(CardEntryException.Expired::class.java, "expired") { validateExpiry("01/20") }
    refused(CardEntryException.Cvv::class.java, "Amex CVV") { validateCvv("123", CardBrand.AMEX) }
    refused(CardEntryException.Cvv::class.java, "CVV letter") { validateCard("4111111111111111", "12/99", "12a") }
}

fun aDroppedLinkIsATypedStatusAndFailsTheRead() = runBlocking {
    withTimeout(60_000) {
        val adapter = KotlinBleAdapter(listOf())
        adapter.link = BleLink(adapter)
        val listener = RecordingListener()
        val reader = connectReader(ReaderSource.Bluetooth(adapter.link, adapter.peripheral.name()), listener, ReaderOptions())
        val read = async(Dispatchers.Default) {
            try {
                reader.readCard(ReadRequest(amountMinor = 100uL))
                null
            } catch (e: ReaderException) {
                e
            }
        }
        delay(300)
        // What the app's GATT callback does when the reader goes out of range.
        adapter.link.onDisconnected()
        val error = read.await()
        check(error is ReaderException.NotConnected) { "the read ends with NotConnected: $error" }
        val dropped = ConnectionStatus.NotConnected(DisconnectReason.ReaderDisconnected)
        var waited = 0
        while (reader.status() != dropped && waited < 2_000) { delay(20); waited += 20 }
        check(reader.status() == dropped) { "status: ${reader.status()}" }
        // The listener hears of it from the SDK's own task, a moment after status() changes.
        waited = 0
        while (!listener.statuses.contains(dropped) && waited < 5_000) { delay(20); waited += 20 }
        check(listener.statuses.contains(dropped)) { "statuses: ${listener.statuses}" }
    }
}

fun theVirtualReaderIsSelectableInTheSameApi() = runBlocking {
    withTimeout(60_000) {
        val listener = RecordingListener()
        val reader = connectReader(
            ReaderSource.Virtual(listOf(VirtualCard(TestCardKind.MASTERCARD, PresentMethod.SWIPE, 50uL))),
            listener,
            ReaderOptions(),
        )
        check(reader.info().isVirtual) { "virtual: ${reader.info()}" }
        val card = reader.readCard(ReadRequest(amountMinor = 500uL))
        check(card.readMethod() == ReadMethodKind.SWIPE) { "swipe: ${card.readMethod()}" }
        check(card.maskedPan()?.endsWith("5454") == true) { "masked: ${card.maskedPan()}" }
        check(listener.events.contains(ReaderUiEvent.CardSwiped)) { "events: ${listener.events}" }
        val outcome = reader.complete(HostAnswer.Declined("05"))
        check(!outcome.approved) { "a declined swipe: $outcome" }
        reader.disconnect()
    }
}

fun main() {
    val emulator = TestEmulator.start()
    val tests = listOf<Pair<String, () -> Unit>>(
        "reads a chip card through a Kotlin link, tokenizes it and completes the transaction" to
            { readsAChipCardThroughAKotlinLinkTokenizesItAndCompletesTheTransaction(emulator) },
        "keys a card, validates and tokenizes it" to { keysACardValidatesAndTokenizesIt(emulator) },
        "the card utilities follow the brand rules" to { theCardUtilitiesFollowTheBrandRules() },
        "a dropped link is a typed status and fails the read" to { aDroppedLinkIsATypedStatusAndFailsTheRead() },
        "the virtual reader is selectable in the same API" to { theVirtualReaderIsSelectableInTheSameApi() },
    )
    var passed = 0
    var failed = 0
    for ((name, test) in tests) {
        try {
            test()
            passed++
            println("ok   $name")
        } catch (e: Throwable) {
            failed++
            println("FAIL $name: $e")
            e.printStackTrace()
        }
    }
    emulator.shutdown()
    println("$passed passed, $failed failed")
    exitProcess(if (failed == 0) 0 else 1)
}
