#!/usr/bin/env python3
"""Generates src/codes/tables.rs from the spec's markdown code tables.

Usage: python3 tools/gen_codes.py ../../../shared/spec/cardpointe-gateway.md > src/codes/tables.rs \
       && cargo fmt -p cardpointe-types

The categories are assigned by the keyword rules below (first match wins), so every code of every
table has one; the generated Rust is committed, nothing reads the spec at build time.
"""
import re
import sys

STAT = {"A": "RespStat::Approved", "B": "RespStat::Retry", "C": "RespStat::Declined"}

# (category, keywords) in priority order, for respstat C codes.
RULES = [
    ("PickUp", ["pick up", "pickup", "lost", "stolen", "hard capture", "hard negative"]),
    ("Fraud", ["fraud", "counterfeit", "security violation", "carddefense", "violation of law", "on negative file", "restraint"]),
    ("InsufficientFunds", ["insufficient funds", "not sufficient funds", "nsf"]),
    ("Expired", ["expir"]),
    ("CvvMismatch", ["cvv", "cid ", "cid failed", "invalid cid", "ccv", "cav failed"]),
    ("AvsMismatch", ["avs", "zip", "postal"]),
    ("PinError", ["pin", "dukpt"]),
    ("Duplicate", ["duplicate", "already redeemed", "already active"]),
    ("NotFound", ["not found", "no matching", "unable to locate", "no such account", "no previous transaction", "not on file", "unable to match"]),
    ("InvalidState", ["batched", "not settled", "txn settled", "void not permitted", "cannot be voided", "already reversed", "reversal", "unmatched void", "cannot have this operation", "batch closed"]),
    ("LimitExceeded", ["exceed", "limit", "velocity", "over monthly", "over daily", "frequency", "too many", "count exceeds", "ceiling", "over fuel", "over cash", "over repair", "over additive", "over merchandise", "over non-fuel", "over card", "over issuer", "over merchant", "over chain", "enter lesser", "amount too large", "above max", "below min"]),
    ("InvalidAmount", ["amount", "amt"]),
    ("InvalidMerchant", ["merchant", "terminal", "term id", "auth route", "auth queue", "missing config", "not subscribed", "mcc", "store number", "acquirer", "store location"]),
    ("DoNotHonor", ["do not honor", "edit honor"]),
    ("ReferToIssuer", ["refer", "call"]),
    ("InvalidCard", ["invalid card", "card number", "check digit", "unknown card", "card type", "no card record", "invalid account", "no such card issuer", "invalid token", "undefined card", "account closed", "unknown account", "inactive account", "not active", "no credit account", "no checking", "no savings", "no account", "acct length", "card not active", "card cancelled", "canceled", "invalid cc", "bad card", "bad debit card", "invalid issuer", "routing number", "invalid checking", "invalid card account", "card record"]),
    ("NotPermitted", ["not permitted", "not allowed", "not supported", "restricted", "invalid txn for card", "invalid tran", "invalid transaction", "illegal", "prepaid", "echeck", "function", "invalid method", "cannot be performed", "recurring", "stop", "do not try again", "do not resubmit", "service", "not certified"]),
    ("RetryLater", ["retry", "try again", "try later", "timed out", "timeout", "line down", "unavailable", "inoperative", "offline", "busy", "in progress", "not operative", "switch down", "debit switch"]),
    ("GatewayError", ["system", "error", "malfunction", "format", "socket", "database", "tokensecure", "no action", "crypto", "key", "bad resp", "bad http", "response mismatch", "header", "host", "failure", "failed", "invalid response", "config", "table"]),
    ("InvalidRequest", ["invalid", "non-numeric", "bad", "missing", "data not valid", "required", "wrong", "schema", "incorrect", "y or n", "unused field", "emv", "need", "imprint", "see attendant", "signature"]),
    ("Declined", ["decline", "denied", "deny", "unsuccessful", "cannot process", "customer cancellation", "rejected", "cancel"]),
]

OVERRIDES = {
    # (table, code): category — where the words mislead.
    ("PPS", "36"): "Duplicate",
    ("PPS", "106"): "RetryLater",
    ("PPS", "61"): "RetryLater",
    ("FNOR", "NU"): "InsufficientFunds",
    ("FNOR", "51"): "Declined",
    ("FNOR", "60"): "Declined",
    ("FNOR", "1A"): "InvalidRequest",
    ("FNOR", "1B"): "PinError",
    ("RPCT", "500"): "Declined",
    ("RPCT", "504"): "Declined",
    ("RPCT", "001"): "InvalidRequest",
    ("RPCT", "531"): "InvalidRequest",
    ("RPCT", "503"): "InvalidCard",
    ("RPCT", "507"): "InvalidCard",
    ("RPCT", "510"): "Expired",
    ("RPCT", "302"): "InvalidCard",
    ("PSTR", "99"): "Declined",
    ("PSTR", "06"): "AvsMismatch",
    ("PMT", "000"): "RetryLater",
    ("FOMA", "01"): "ReferToIssuer",
    ("AMEX", "107"): "ReferToIssuer",
    ("PMT", "401"): "ReferToIssuer",
    ("PMT", "402"): "ReferToIssuer",
    ("PTAM", "93"): "RetryLater",
    ("PPS", "41"): "InvalidAmount",
    ("PPS", "42"): "InvalidAmount",
    ("PPS", "102"): "Declined",
    ("RPCT", "105"): "ReferToIssuer",
    ("RPCT", "402"): "GatewayError",
    ("RPCT", "963"): "RetryLater",
}


def categorise(table, code, stat, text):
    if (table, code) in OVERRIDES:
        return OVERRIDES[(table, code)]
    t = text.lower() + " "
    if stat == "A":
        return "PartialApproval" if "partial" in t else "Approved"
    if stat == "B":
        return "RetryLater"
    for cat, words in RULES:
        if any(w in t for w in words):
            return cat
    return "Declined"


def rows_after(lines, start, ncols):
    """Reads the markdown table that starts after line index `start`."""
    out = []
    i = start
    while i < len(lines) and not lines[i].startswith("|"):
        i += 1
    i += 2  # header + separator
    while i < len(lines) and lines[i].startswith("|"):
        cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
        for k in range(0, len(cells) - ncols + 1, ncols):
            chunk = cells[k:k + ncols]
            if chunk[0]:
                out.append(chunk)
        i += 1
    return out


def find(lines, pred):
    for i, l in enumerate(lines):
        if pred(l):
            return i
    raise SystemExit("section not found")


def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
    tables = {}
    tables["PPS"] = rows_after(lines, find(lines, lambda l: l.startswith("### 3.3 Gateway (PPS)")), 3)
    tables["FNOR"] = rows_after(lines, find(lines, lambda l: l.startswith("FNOR (default UAT host")), 3)
    for name in ["RPCT", "AMEX", "FOMA", "PMT", "PTAM", "VPS", "VANT", "PSTR"]:
        idx = find(lines, lambda l, n=name: l.startswith(f"### A.{n} "))
        tables[name] = rows_after(lines, idx, 3)
    cs = rows_after(lines, find(lines, lambda l: l.startswith("CardSecure error codes")), 2)

    print("// @generated by tools/gen_codes.py from the spec's code tables; do not edit by hand.")
    print("//! The response-code tables of spec §3.3, §3.4 and Appendix A, and the CardSecure error")
    print("//! codes of §6.3, as data.")
    print()
    print("use super::{Category, CodeInfo};")
    print("use crate::RespStat;")
    print()
    docs = {
        "PPS": "Gateway (`PPS`) codes — the complete list of spec §3.3.",
        "FNOR": "First Data North (`FNOR`, also `NASH`) — complete, spec §3.4.",
        "RPCT": "First Data Rapid Connect (`RPCT`) — spec Appendix A.",
        "AMEX": "American Express direct (`AMEX`) — spec Appendix A.",
        "FOMA": "First Data Omaha (`FOMA`) — spec Appendix A.",
        "PMT": "Chase Paymentech Salem (`PMT`) — spec Appendix A.",
        "PTAM": "Chase Paymentech Tampa (`PTAM`) — spec Appendix A.",
        "VPS": "TSYS (`VPS`) — spec Appendix A.",
        "VANT": "Vantiv/Worldpay (`VANT`) — spec Appendix A.",
        "PSTR": "ProfitStars ACH (`PSTR`) — spec Appendix A.",
    }
    for name, rows in tables.items():
        print(f"/// {docs[name]} {len(rows)} codes.")
        print(f"pub static {name}: &[CodeInfo] = &[")
        for code, stat, text in rows:
            if name == "PSTR" and code == "99":
                text = "Processor error (free text)"
            cat = categorise(name, code, stat, text)
            print(f"    CodeInfo::new({rust_str(code)}, {STAT[stat]}, {rust_str(text)}, Category::{cat}),")
        print("];")
        print()
    print(f"/// CardSecure `errorcode` values and their messages (spec §6.3), {len(cs)} codes.")
    print("pub static CARDSECURE_ERRORS: &[(u32, &str)] = &[")
    for code, msg in sorted(cs, key=lambda r: int(r[0])):
        print(f"    ({int(code)}, {rust_str(msg)}),")
    print("];")


main()
