//! The lease's mechanisms, each removed in turn against a real Redis: the figure the
//! lesson prints for it comes out otherwise. They need `redis-server`, so a plain
//! `cargo test` lists them as ignored; `cargo test -- --ignored` runs them.

use super::*;
use lessons::kit::ms;

const NEEDS_REDIS: &str = "needs redis-server: apt-get install redis-server";

async fn connect(redis: &RedisServer) -> redis::aio::MultiplexedConnection {
    let client = redis.client().expect(NEEDS_REDIS);
    client
        .get_multiplexed_async_connection()
        .await
        .expect(NEEDS_REDIS)
}

#[tokio::test]
#[ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -- --ignored"]
async fn without_the_fencing_check_the_late_holder_overwrites_the_newer_value() {
    let server = RedisServer::start().await.expect(NEEDS_REDIS);
    let mut redis = connect(&server).await;
    let keys = Keys::new("fencing", KEY);
    let ttl = ms(100);
    let late = Lease::acquire(&mut redis, &keys, "a", ttl)
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(ttl * 2).await;
    let next = Lease::acquire(&mut redis, &keys, "b", ttl).await.unwrap();
    let next = next.expect("a lapsed lease can be taken");
    assert!(next.token > late.token, "tokens only grow");
    assert!(
        next.write(&mut redis, "config v2", VALUE_TTL)
            .await
            .unwrap()
    );

    // With the check, as the lesson runs it: refused, the newer value stays.
    assert!(
        !late
            .write(&mut redis, "config v1", VALUE_TTL)
            .await
            .unwrap()
    );
    let value: String = redis.get(&keys.value).await.unwrap();
    assert_eq!(value, "config v2");

    // Without it, the late holder's write is a plain SET: the old value wins.
    let _: () = redis.set(&keys.value, "config v1").await.unwrap();
    let value: String = redis.get(&keys.value).await.unwrap();
    assert_eq!(value, "config v1", "the stale value replaced the newer one");
}

#[tokio::test]
#[ignore = "needs redis-server (apt-get install redis-server, or brew install redis): cargo test -- --ignored"]
async fn a_lease_not_renewed_is_taken_while_its_holder_still_works() {
    let server = RedisServer::start().await.expect(NEEDS_REDIS);
    let mut redis = connect(&server).await;
    let (renewed, unrenewed) = (Keys::new("renewed", KEY), Keys::new("unrenewed", KEY));
    let ttl = ms(600);
    let holder = Lease::acquire(&mut redis, &renewed, "a", ttl)
        .await
        .unwrap()
        .unwrap();
    let forgetful = Lease::acquire(&mut redis, &unrenewed, "a", ttl)
        .await
        .unwrap()
        .unwrap();
    // A TTL and a half of work; one holder renews every sixth of a TTL (so that a
    // stall of most of a TTL between two renewals is survived), the other never.
    for _ in 0..9 {
        tokio::time::sleep(ttl / 6).await;
        assert!(
            holder.renew(&mut redis).await.unwrap(),
            "a renewed lease stays ours"
        );
    }
    let taken = |keys: Keys| {
        let mut redis = redis.clone();
        async move {
            Lease::acquire(&mut redis, &keys, "b", ttl)
                .await
                .unwrap()
                .is_some()
        }
    };
    assert!(!taken(renewed).await, "a renewed lease cannot be taken");
    assert!(
        taken(unrenewed).await,
        "an unrenewed one is taken mid-work: two queries"
    );
    assert!(
        !forgetful.renew(&mut redis).await.unwrap(),
        "and its holder has lost it"
    );
}
