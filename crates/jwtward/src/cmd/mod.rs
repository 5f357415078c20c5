pub mod crack;
pub mod probe;
pub mod scan;
pub mod token;
