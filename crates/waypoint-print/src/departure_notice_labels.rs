//! Every fixed word printed on the departure notice, in EN, FR and ES. The data (names,
//! places, the words a person recorded) is never translated; only these words are.

use serde::Serialize;

/// The fixed words of the departure notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepartureNoticeLabels {
    /// BCP 47 language of the labels ("en", "fr", "es").
    pub lang: String,
    pub title: String,
    pub booking: String,
    pub record_locator: String,
    pub version: String,
    pub first: String,
    pub correction: String,
    pub issued_at: String,
    pub issued_by: String,
    pub site: String,
    pub flight: String,
    pub left: String,
    pub local_time: String,
    pub changes: String,
    pub departed: String,
    pub not_departed: String,
    pub individual_no: String,
    pub case_no: String,
    pub name: String,
    pub native_name: String,
    pub sex: String,
    pub age: String,
    pub nationality: String,
    pub reason: String,
    pub changed: String,
    pub nobody: String,
    pub page: String,
    pub of: String,
    pub none: String,
    pub reasons: ReasonWords,
    pub change_words: ChangeWords,
}

/// What changed since the previous version, one phrase per kind of change; `{no}` stands for
/// the traveller's individual number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeWords {
    pub now_departed: String,
    pub no_longer_departed: String,
    pub reason_changed: String,
    pub traveller_added: String,
    pub traveller_removed: String,
}

impl ChangeWords {
    /// `template` (one of these phrases) about traveller `individual_no`.
    pub fn about(template: &str, individual_no: &str) -> String {
        template.replace("{no}", individual_no)
    }
}

/// Why someone did not depart, one word or phrase per reason code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonWords {
    pub no_show: String,
    pub medical: String,
    pub documents: String,
    pub exit_refused: String,
    pub denied_boarding: String,
    pub traveller_request: String,
    pub other: String,
}

impl ReasonWords {
    /// The words of reason `code` (the domain's codes); the code itself if unknown.
    pub fn word(&self, code: &str) -> String {
        let word: &str = match code {
            "no_show" => &self.no_show,
            "medical" => &self.medical,
            "documents" => &self.documents,
            "exit_refused" => &self.exit_refused,
            "denied_boarding" => &self.denied_boarding,
            "traveller_request" => &self.traveller_request,
            "other" => &self.other,
            other => other,
        };
        word.to_owned()
    }
}

impl DepartureNoticeLabels {
    pub fn english() -> Self {
        let s = |v: &str| v.to_string();
        DepartureNoticeLabels {
            lang: s("en"),
            title: s("Departure Notification"),
            booking: s("Booking"),
            record_locator: s("Record locator"),
            version: s("Version"),
            first: s("Notice"),
            correction: s("Correction"),
            issued_at: s("Issued at"),
            issued_by: s("Issued by"),
            site: s("Site"),
            flight: s("Flight"),
            left: s("Left"),
            local_time: s("Local time of the airport of departure."),
            changes: s("Changes since the previous version"),
            departed: s("Departed"),
            not_departed: s("Did not depart"),
            individual_no: s("Individual no."),
            case_no: s("Case no."),
            name: s("Name"),
            native_name: s("Name (native script)"),
            sex: s("Sex"),
            age: s("Age"),
            nationality: s("Nationality"),
            reason: s("Reason"),
            changed: s("Changed"),
            nobody: s("Nobody."),
            page: s("Page"),
            of: s("of"),
            none: s("—"),
            reasons: ReasonWords {
                no_show: s("Did not show up"),
                medical: s("Medical"),
                documents: s("Travel documents"),
                exit_refused: s("Refused exit"),
                denied_boarding: s("Denied boarding"),
                traveller_request: s("Traveller's request"),
                other: s("Other"),
            },
            change_words: ChangeWords {
                now_departed: s("{no} departed"),
                no_longer_departed: s("{no} did not depart after all"),
                reason_changed: s("Why {no} did not depart changed"),
                traveller_added: s("{no} added"),
                traveller_removed: s("{no} removed"),
            },
        }
    }

    pub fn french() -> Self {
        let s = |v: &str| v.to_string();
        DepartureNoticeLabels {
            lang: s("fr"),
            title: s("Notification de départ"),
            booking: s("Réservation"),
            record_locator: s("Code de réservation"),
            version: s("Version"),
            first: s("Avis"),
            correction: s("Rectificatif"),
            issued_at: s("Émis le"),
            issued_by: s("Émis par"),
            site: s("Site"),
            flight: s("Vol"),
            left: s("Parti"),
            local_time: s("Heure locale de l'aéroport de départ."),
            changes: s("Modifications depuis la version précédente"),
            departed: s("Partis"),
            not_departed: s("Non partis"),
            individual_no: s("N° individu"),
            case_no: s("N° dossier"),
            name: s("Nom"),
            native_name: s("Nom (écriture d'origine)"),
            sex: s("Sexe"),
            age: s("Âge"),
            nationality: s("Nationalité"),
            reason: s("Motif"),
            changed: s("Modifié"),
            nobody: s("Personne."),
            page: s("Page"),
            of: s("sur"),
            none: s("—"),
            reasons: ReasonWords {
                no_show: s("Absent au départ"),
                medical: s("Raison médicale"),
                documents: s("Documents de voyage"),
                exit_refused: s("Sortie refusée"),
                denied_boarding: s("Embarquement refusé"),
                traveller_request: s("À la demande du voyageur"),
                other: s("Autre"),
            },
            change_words: ChangeWords {
                now_departed: s("{no} est parti(e)"),
                no_longer_departed: s("{no} n’est finalement pas parti(e)"),
                reason_changed: s("Le motif du non-départ de {no} a changé"),
                traveller_added: s("{no} ajouté(e)"),
                traveller_removed: s("{no} retiré(e)"),
            },
        }
    }

    pub fn spanish() -> Self {
        let s = |v: &str| v.to_string();
        DepartureNoticeLabels {
            lang: s("es"),
            title: s("Notificación de salida"),
            booking: s("Reserva"),
            record_locator: s("Localizador"),
            version: s("Versión"),
            first: s("Aviso"),
            correction: s("Corrección"),
            issued_at: s("Emitida el"),
            issued_by: s("Emitida por"),
            site: s("Sitio"),
            flight: s("Vuelo"),
            left: s("Salió"),
            local_time: s("Hora local del aeropuerto de salida."),
            changes: s("Cambios desde la versión anterior"),
            departed: s("Salieron"),
            not_departed: s("No salieron"),
            individual_no: s("N.º individuo"),
            case_no: s("N.º caso"),
            name: s("Nombre"),
            native_name: s("Nombre (escritura original)"),
            sex: s("Sexo"),
            age: s("Edad"),
            nationality: s("Nacionalidad"),
            reason: s("Motivo"),
            changed: s("Cambiado"),
            nobody: s("Nadie."),
            page: s("Página"),
            of: s("de"),
            none: s("—"),
            reasons: ReasonWords {
                no_show: s("No se presentó"),
                medical: s("Motivo médico"),
                documents: s("Documentos de viaje"),
                exit_refused: s("Salida denegada"),
                denied_boarding: s("Embarque denegado"),
                traveller_request: s("A petición del viajero"),
                other: s("Otro"),
            },
            change_words: ChangeWords {
                now_departed: s("{no} salió"),
                no_longer_departed: s("{no} finalmente no salió"),
                reason_changed: s("Cambió el motivo por el que {no} no salió"),
                traveller_added: s("{no} añadido/a"),
                traveller_removed: s("{no} retirado/a"),
            },
        }
    }
}
