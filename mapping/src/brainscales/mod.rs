pub mod model;
pub mod params;
pub mod weights;
