//! Exercise 09, the coalescing key and the sharing rule: answers that look right and
//! are not. Each keeps the reference solution's other half.

pub mod authorization_only;
pub mod conditionals_partly;
pub mod every_header;
pub mod first_line_only;
pub mod first_value_only;
pub mod no_host;
pub mod no_query;
pub mod path_and_query_glued;
pub mod refuses_listed_methods;
pub mod set_cookie_only;
pub mod substring_match;
