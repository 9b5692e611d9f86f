//! One module per page.

mod config_error;
mod home;
mod not_found;
mod redirect;

pub use config_error::ConfigErrorPage;
pub use home::Home;
pub use not_found::NotFound;
pub use redirect::RedirectPage;
