mod fixtures;
mod missing;
mod steps;
mod stops;
