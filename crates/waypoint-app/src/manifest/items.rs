//! Food and essential items handed out on departure day: the list of the traveller's
//! programme, and what one person received, recorded.

use uuid::Uuid;
use waypoint_domain::{Action, FieldEvent, ItemList, ItemLists, ItemsHanded, Role};
use waypoint_store::Store;

use crate::lookup::{self, number};
use crate::{AppError, Context, SignedIn};

/// Every programme's list, as shipped.
pub fn item_lists() -> ItemLists {
    ItemLists::shipped()
}

/// The list of `programme` (its code, any case).
pub fn item_list(programme: &str) -> Result<ItemList, AppError> {
    Ok(ItemLists::shipped().get(programme)?.clone())
}

/// Records that `individual_no` received the items `codes`, from the list of their case's
/// programme (or `programme`, when the case has none on record).
pub fn hand_items(
    store: &mut Store,
    who: &SignedIn,
    ctx: &Context,
    individual_no: &str,
    codes: &[String],
    programme: Option<&str>,
) -> Result<ItemsHanded, AppError> {
    store.require(who.role, Action::CountHeads)?;
    let individual_no = number(individual_no);
    let case = lookup::case_of_individual(store, Role::Administrator, &individual_no)?;
    let programme = match (programme, &case.case.programme) {
        (Some(p), _) => p.trim().to_ascii_uppercase(),
        (None, Some(p)) => p.clone(),
        (None, None) => {
            return Err(AppError::invalid(format!(
                "case {} has no programme on record: give the list with --programme",
                case.case.case_no
            )));
        }
    };
    let items = ItemLists::shipped().get(&programme)?.check(codes)?;
    if items.is_empty() {
        return Err(AppError::invalid(
            "give the code of at least one item handed",
        ));
    }
    let handed = ItemsHanded {
        id: Uuid::now_v7(),
        case_no: case.case.case_no.clone(),
        individual_no,
        programme,
        items,
        site: ctx.site_for(&case.case.site),
        recorded_by: who.name.clone(),
        at: ctx.now,
    };
    store.record_events(&[FieldEvent::ItemsHanded(handed.clone())])?;
    Ok(handed)
}

/// What `individual_no` was handed, oldest first.
pub fn items_handed(store: &Store, individual_no: &str) -> Result<Vec<ItemsHanded>, AppError> {
    let individual_no = number(individual_no);
    let case_no = lookup::case_no_of(store, &individual_no)?
        .ok_or_else(|| AppError::UnknownIndividual(individual_no.clone()))?;
    Ok(store.items_handed(&case_no, &individual_no)?)
}
