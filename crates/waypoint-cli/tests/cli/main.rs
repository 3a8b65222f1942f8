//! Integration tests of the `waypoint` command: the real binary, each test with its own data
//! directory in a temporary directory. One test binary (`cli`), in modules:
//!
//! - `acceptance`: the acceptance list of the CLI issue, one test per promise;
//! - `audit`: `waypoint audit verify` and `list`, on honest and tampered logs;
//! - `check`: `waypoint check mrz`, alone and compared with a record, as allowed and refused roles;
//! - `counselling`: `waypoint counselling`: checklists, complete sessions, who may counsel;
//! - `crash`: the durability proof, killing real processes during edits and imports;
//! - `custody`: `waypoint custody`: chains, the identity-check rule, role refusals;
//! - `enrolment`: enrol refused on an enrolled device, `enrol --replace`, one secret per directory;
//! - `exit_permit`: `waypoint exit-permit`: steps and their order, who may record, hidden denials;
//! - `history`: `waypoint case history`: every kind newest first, one member's part, hidden denials;
//! - `keys`: encryption at rest: the canary scan, a copied data directory, wrong PINs;
//! - `staff`: HQ's staff accounts, online first sign-in, offline sign-ins, disabled staff;
//! - `needs`: `waypoint needs`: special needs listed and recorded, as each role may;
//! - `revoke`: revocation (lost, retired) and wipe, and the offline lease;
//! - `roles`: need-to-know: every command as every role (property test), attribution, refusals;
//! - `roles_movements`: the movement commands (bookings, ABN, holds, permits) as every role;
//! - `sync`: sync end to end against a real `waypoint-server` on 127.0.0.1;
//! - `sync_bookings`: a booking of two sites, synced: each site's share, a third site's nothing;
//! - `sync_import`: a re-import after sync keeps what colleagues edited;
//! - `util`: running the binary and reading what it says;
//! - `departure_notice`: `waypoint departure`: who departed and why not, versions, CSV, PDF;
//! - `travel_bag`: `waypoint bag`: the checklist, ticks by hand, the check, the handover;
//! - `roles_departure_day`: the bag and notice commands as every role.
//! - `manifest`: departure day: manifests, the head count by scan, no-shows, PDF, items, roles.
//! - `arrival`: `waypoint arrival`: expected arrivals, the checklist, incidents, rebooking, paperwork;
//! - `arrival_roles`: every `waypoint arrival` command as every role.

mod acceptance;
mod arrival;
mod arrival_roles;
mod audit;
mod check;
mod counselling;
mod crash;
mod custody;
mod departure_notice;
mod enrolment;
mod exit_permit;
mod history;
mod journey;
mod keys;
mod manifest;
mod movements;
mod needs;
mod revoke;
mod roles;
mod roles_departure_day;
mod roles_movements;
mod staff;
mod sync;
mod sync_bookings;
mod sync_import;
mod travel_bag;
mod util;
