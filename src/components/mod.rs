//! Pieces of the page shared by every route.

pub mod layout;
