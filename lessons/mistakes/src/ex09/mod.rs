//! Exercise 09, the coalescing key and the replay rules: answers that look right
//! and are not. Each keeps the reference solution's other half.

pub mod authorization_only;
pub mod every_header;
pub mod first_value_only;
pub mod insert_keeps_one_value;
pub mod no_query;
pub mod path_and_query_glued;
pub mod refuses_listed_methods;
pub mod replays_set_cookie;
