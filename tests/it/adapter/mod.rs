//! The reference adapter: every route and documented status against the mock (`calls`), and
//! every way an answer can go wrong on the wire (`wire`).

mod calls;
mod wire;
