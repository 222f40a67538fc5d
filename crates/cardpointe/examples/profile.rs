//! Store a card as a profile, read it back, then delete it.
//!
//! `cargo run -p cardpointe --example profile`

mod support;

use cardpointe::{
    HasOutcome, PaymentSource, ProfileDeleteRequest, ProfileReadRequest, ProfileRef, ProfileRequest,
};

#[tokio::main]
pub(crate) async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (gateway, sim) = support::connect().await?;
    let mut create = ProfileRequest::create(PaymentSource::Card("4444333322221111".parse()?))?;
    create.expiry = Some("1230".parse()?);
    let created = gateway.profile_create(&create).await?;
    println!(
        "created: approved={} profile {:?} account {:?}",
        created.is_approved(),
        created.profileid,
        created.acctid
    );
    let profile = ProfileRef::new(
        created.profileid.clone().ok_or("no profile id")?,
        created.acctid.clone(),
    );
    let accounts = gateway
        .profile_read(&ProfileReadRequest::new(profile.clone()))
        .await?;
    for account in &accounts {
        println!(
            "read: account {:?} token {:?} expiry {:?}",
            account.acctid, account.token, account.expiry
        );
    }
    let deleted = gateway
        .profile_delete(&ProfileDeleteRequest::new(profile))
        .await?;
    println!("deleted: {:?}", deleted.resptext);
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    Ok(())
}
