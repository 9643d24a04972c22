//! Runs exercise 15's grader against the reference solution. Its tests need a
//! `redis-server`, so the root `cargo test` lists them as ignored (the default feature
//! `redis-ignored`): `cargo test -p solutions --test ex15_fleet_lease -- --ignored`.

use solutions::ex15_fleet_lease as subject;

#[path = "../../lessons/exercises/graders/ex15_fleet_lease.rs"]
mod grader;
