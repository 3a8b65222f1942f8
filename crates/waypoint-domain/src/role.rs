//! Staff roles and what each may see and do: one table, `data/roles.csv`, reviewed like code.
//!
//! A row per [`Field`] says, per role, `edit`, `see` or `-` (hidden); a row per [`Action`]
//! says `yes` or `-`. Anything the table does not grant is refused: a role missing from a
//! row, a row missing from the table, or a table that does not parse grants nothing. Hidden
//! means hidden: a field a role may not see is removed from what the store gives that role
//! (profile reads, search results, exports), not shown greyed out.

use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::Field;

macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident = $code:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The name used in `data/roles.csv` and on the command line.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)*
                }
            }

            pub fn parse(raw: &str) -> Result<Self, RoleError> {
                let s = raw.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code().eq_ignore_ascii_case(s))
                    .ok_or_else(|| {
                        let codes: Vec<&str> = Self::ALL.iter().map(|v| v.code()).collect();
                        RoleError::Unknown(format!(
                            "'{s}' is not {}: use one of {}",
                            $what,
                            codes.join(", ")
                        ))
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

named_enum!(
    /// What a staff member is, for what they may see and do.
    Role, "a role" {
        FieldAssistant = "field_assistant",
        PoeAssociate = "poe_associate",
        DataProcessing = "data_processing",
        Supervisor = "supervisor",
        Administrator = "administrator",
    }
);

named_enum!(
    /// Things staff do that are not editing one field.
    Action, "an action" {
        Import = "import",
        Export = "export",
        IdentityCheck = "identity_check",
        Counselling = "counselling",
        CustodyTransfer = "custody_transfer",
        ExitPermit = "exit_permit",
        HoldJourney = "hold_journey",
        ResolveConflict = "resolve_conflict",
        VerifyAudit = "verify_audit",
        ManageStaff = "manage_staff",
        DismissRefused = "dismiss_refused",
        Book = "book",
        AcknowledgeWarning = "acknowledge_warning",
        IssueAbn = "issue_abn",
        HandleTravelBag = "handle_travel_bag",
        NotifyDeparture = "notify_departure",
        MakeManifest = "make_manifest",
        CountHeads = "count_heads",
        RecordArrival = "record_arrival",
        RecordIncident = "record_incident",
    }
);

/// What a role was refused: an action, or a change of one field. Typed so that each front end
/// can say it in its own words and language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Refused {
    Action { action: Action },
    Change { field: Field },
}

/// In English, as it follows "the ROLE role may not" (`import`, `change family_name`).
impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::Action { action } => f.write_str(&action.code().replace('_', " ")),
            Refused::Change { field } => write!(f, "change {field}"),
        }
    }
}

/// How far a role may go with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Hidden,
    See,
    Edit,
}

/// What is wrong with a role name or the roles table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("{0}")]
    Unknown(String),
    #[error("roles table, line {line}: {message}")]
    Table { line: u64, message: String },
}

/// The table: access per role and field, permission per role and action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleTable {
    fields: [[Access; Field::COUNT]; ROLES],
    actions: [[bool; ACTIONS]; ROLES],
}

const ROLES: usize = Role::ALL.len();
const ACTIONS: usize = Action::ALL.len();

/// The table shipped with Waypoint.
pub const ROLES_CSV: &str = include_str!("../data/roles.csv");

static TABLE: LazyLock<RoleTable> =
    LazyLock::new(|| RoleTable::parse(ROLES_CSV).unwrap_or_else(|_| RoleTable::deny_all()));

impl RoleTable {
    /// Grants nothing: what a table that cannot be read means.
    pub fn deny_all() -> Self {
        Self {
            fields: [[Access::Hidden; Field::COUNT]; ROLES],
            actions: [[false; ACTIONS]; ROLES],
        }
    }

    /// The shipped table (`data/roles.csv`).
    pub fn shipped() -> &'static RoleTable {
        &TABLE
    }

    /// Reads a table: a header `what,<role>...,why`, then one row per field (its CSV column
    /// name) with `edit`, `see` or `-`, and one per action (`action:<name>`) with `yes` or
    /// `-`. Every field and every action needs exactly one row; every role a column.
    pub fn parse(text: &str) -> Result<Self, RoleError> {
        let err = |line: u64, message: String| RoleError::Table { line, message };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| err(1, e.to_string()))?.clone();
        let mut columns: Vec<(usize, Role)> = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            if i == 0 || h == "why" {
                continue;
            }
            columns.push((i, Role::parse(h).map_err(|e| err(1, e.to_string()))?));
        }
        for role in Role::ALL {
            if !columns.iter().any(|(_, r)| r == role) {
                return Err(err(1, format!("no column for the role {role}")));
            }
        }
        let mut table = Self::deny_all();
        let mut field_seen = [false; Field::COUNT];
        let mut action_seen = [false; ACTIONS];
        for (n, row) in reader.records().enumerate() {
            let line = n as u64 + 2;
            let row = row.map_err(|e| err(line, e.to_string()))?;
            let what = row.get(0).unwrap_or_default().trim();
            if let Some(action) = what.strip_prefix("action:") {
                let action = Action::parse(action).map_err(|e| err(line, e.to_string()))?;
                let a = action as usize;
                if std::mem::replace(&mut action_seen[a], true) {
                    return Err(err(line, format!("a second row for {action}")));
                }
                for (i, role) in &columns {
                    table.actions[*role as usize][a] = match row.get(*i).map(str::trim) {
                        Some("yes") => true,
                        Some("-") => false,
                        other => {
                            return Err(err(
                                line,
                                format!("{role} may {action}: 'yes' or '-', not {other:?}"),
                            ));
                        }
                    };
                }
            } else {
                let field = Field::from_column(what)
                    .ok_or_else(|| err(line, format!("'{what}' is not a field")))?;
                if std::mem::replace(&mut field_seen[field.index()], true) {
                    return Err(err(line, format!("a second row for {field}")));
                }
                for (i, role) in &columns {
                    table.fields[*role as usize][field.index()] = match row.get(*i).map(str::trim) {
                        Some("edit") => Access::Edit,
                        Some("see") => Access::See,
                        Some("-") => Access::Hidden,
                        other => {
                            return Err(err(
                                line,
                                format!("{role} on {field}: 'edit', 'see' or '-', not {other:?}"),
                            ));
                        }
                    };
                }
            }
        }
        if let Some(f) = Field::ALL.iter().find(|f| !field_seen[f.index()]) {
            return Err(err(0, format!("no row for the field {f}")));
        }
        if let Some(a) = Action::ALL.iter().find(|a| !action_seen[**a as usize]) {
            return Err(err(0, format!("no row for the action {a}")));
        }
        // A record cannot be shown without its required fields (names, numbers, ...).
        for role in Role::ALL {
            if let Some(f) = Field::ALL
                .iter()
                .find(|f| f.required() && table.access(*role, **f) == Access::Hidden)
            {
                return Err(err(
                    0,
                    format!("{role} must see {f}: a record is not shown without it"),
                ));
            }
        }
        Ok(table)
    }

    pub fn access(&self, role: Role, field: Field) -> Access {
        self.fields[role as usize][field.index()]
    }

    pub fn may(&self, role: Role, action: Action) -> bool {
        self.actions[role as usize][action as usize]
    }
}

/// Whether `role` may see `field` (by the shipped table).
pub fn may_see(role: Role, field: Field) -> bool {
    RoleTable::shipped().access(role, field) >= Access::See
}

/// Whether `role` may change `field`.
pub fn may_edit(role: Role, field: Field) -> bool {
    RoleTable::shipped().access(role, field) == Access::Edit
}

/// Whether `role` may do `action`.
pub fn may(role: Role, action: Action) -> bool {
    RoleTable::shipped().may(role, action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_reads_and_covers_every_field_action_and_role() {
        let table = RoleTable::parse(ROLES_CSV).expect("data/roles.csv");
        assert_ne!(table, RoleTable::deny_all());
        assert_eq!(&table, RoleTable::shipped());
    }

    #[test]
    fn need_to_know_fields_are_hidden_from_roles_without_the_need() {
        for role in [Role::DataProcessing, Role::Administrator] {
            for field in Field::ALL.iter().filter(|f| f.need_to_know()) {
                assert!(!may_see(role, *field), "{role} sees {field}");
            }
        }
        assert!(!may_see(Role::PoeAssociate, Field::Vulnerabilities));
        assert!(may_edit(Role::FieldAssistant, Field::Vulnerabilities));
        assert!(may_see(Role::Supervisor, Field::Vulnerabilities));
        // A conflict of any field someone may edit can be settled by someone: a role that
        // resolves conflicts and may edit that field (else it would stay in the queue forever).
        for field in Field::ALL {
            if Role::ALL.iter().any(|r| may_edit(*r, *field)) {
                assert!(
                    Role::ALL
                        .iter()
                        .any(|r| may(*r, Action::ResolveConflict) && may_edit(*r, *field)),
                    "no role can settle a conflict of {field}"
                );
            }
        }
        // Only supervisors and administrators add staff (and so choose their roles).
        for role in Role::ALL {
            assert_eq!(
                may(*role, Action::ManageStaff),
                matches!(role, Role::Supervisor | Role::Administrator),
                "{role} manage staff"
            );
        }
        // A change HQ refused is dismissed by supervisors only: it holds what a retired laptop
        // must not erase until someone responsible has dealt with it.
        for role in Role::ALL {
            assert_eq!(
                may(*role, Action::DismissRefused),
                *role == Role::Supervisor,
                "{role} dismiss refused"
            );
        }
        // Exit-permit steps are recorded by those who follow the permits and edit the record's
        // permit fields; POE staff and administrators do not.
        for role in Role::ALL {
            assert_eq!(
                may(*role, Action::ExitPermit),
                may_edit(*role, Field::ExitPermit),
                "{role} exit permit"
            );
        }
        // A journey is stopped or resumed by those who answer for the case's whole file (data
        // processing, supervisors), not by each field assistant on their own.
        for role in Role::ALL {
            assert_eq!(
                may(*role, Action::HoldJourney),
                matches!(role, Role::DataProcessing | Role::Supervisor),
                "{role} hold journey"
            );
        }
        // The arrival checklist and its paperwork are the port of entry's (and supervisors');
        // incidents are recorded by whoever is with the travellers when it happens.
        for role in Role::ALL {
            assert_eq!(
                may(*role, Action::RecordArrival),
                matches!(role, Role::PoeAssociate | Role::Supervisor),
                "{role} arrival"
            );
            assert_eq!(
                may(*role, Action::RecordIncident),
                matches!(
                    role,
                    Role::PoeAssociate | Role::FieldAssistant | Role::Supervisor
                ),
                "{role} incident"
            );
        }
        // The record's own number is seen by all and edited by none.
        for role in Role::ALL {
            assert!(may_see(*role, Field::IndividualNo));
            assert!(!may_edit(*role, Field::IndividualNo));
        }
    }

    #[test]
    fn a_table_with_a_gap_or_a_typo_is_refused_and_grants_nothing() {
        let missing_row: String = ROLES_CSV
            .lines()
            .filter(|l| !l.starts_with("vulnerabilities,"))
            .map(|l| format!("{l}\n"))
            .collect();
        let e = RoleTable::parse(&missing_row).unwrap_err();
        assert!(
            e.to_string()
                .contains("no row for the field vulnerabilities"),
            "{e}"
        );
        let typo = ROLES_CSV.replace("vulnerabilities,edit,", "vulnerabilities,edti,");
        let e = RoleTable::parse(&typo).unwrap_err();
        assert!(
            e.to_string().contains("field_assistant on vulnerabilities"),
            "{e}"
        );
        let unknown = ROLES_CSV.replace(",administrator,", ",admin,");
        assert!(RoleTable::parse(&unknown).is_err());
        let twice = format!("{ROLES_CSV}phone,see,see,see,see,see,\n");
        assert!(RoleTable::parse(&twice).is_err());
        let deny = RoleTable::deny_all();
        for role in Role::ALL {
            assert!(
                Field::ALL
                    .iter()
                    .all(|f| deny.access(*role, *f) == Access::Hidden)
            );
            assert!(Action::ALL.iter().all(|a| !deny.may(*role, *a)));
        }
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(&role.code().to_uppercase()), Ok(*role));
        }
        assert!(
            Role::parse("root")
                .unwrap_err()
                .to_string()
                .contains("field_assistant")
        );
    }
}
