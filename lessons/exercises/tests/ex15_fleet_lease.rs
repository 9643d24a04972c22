//! Grades your `src/ex15_fleet_lease.rs`:
//! `cargo test -p exercises --test ex15_fleet_lease` (needs `redis-server` installed).

use exercises::ex15_fleet_lease as subject;

#[path = "../graders/ex15_fleet_lease.rs"]
mod grader;
