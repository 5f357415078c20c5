pub mod audit;
pub mod crack;
pub mod probe;
pub mod rule;
pub mod scan;
pub mod token;
