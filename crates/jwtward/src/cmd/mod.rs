pub mod crack;
pub mod scan;
pub mod token;
