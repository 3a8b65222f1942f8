//! The smallest typst `World` that renders one template over one JSON file: no file system, no
//! packages, no clock, only the fonts embedded in this crate.

use std::sync::OnceLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

/// Noto Sans (Latin, Greek, Cyrillic), Noto Naskh Arabic (Arabic script) and Noto Sans
/// Ethiopic (Tigrinya, Amharic): the scripts of the caseload's native names. SIL Open Font
/// License 1.1; see `fonts/README.md`.
const FONT_FILES: [&[u8]; 4] = [
    include_bytes!("../fonts/NotoSans-Regular.ttf"),
    include_bytes!("../fonts/NotoSans-Bold.ttf"),
    include_bytes!("../fonts/NotoNaskhArabic-Regular.ttf"),
    include_bytes!("../fonts/NotoSansEthiopic-Regular.ttf"),
];

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

/// Parsed once per process: every paper after the first reuses them.
fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = FONT_FILES
            .iter()
            .flat_map(|data| Font::iter(Bytes::new(*data)))
            .collect();
        Fonts {
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::default()))
}

/// One template (`main`) and the one data file it reads with `json(...)`.
pub(crate) struct PaperWorld {
    main: Source,
    data_id: FileId,
    data: Bytes,
}

impl std::fmt::Debug for PaperWorld {
    // The data is a person's booking: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaperWorld")
            .field("main", &self.main.id())
            .finish_non_exhaustive()
    }
}

impl PaperWorld {
    /// `data_path` is the absolute virtual path the template reads (e.g. "/abn.json").
    pub(crate) fn new(template: &str, data_path: &str, data: Vec<u8>) -> Self {
        let main_id = FileId::new(None, VirtualPath::new("/main.typ"));
        PaperWorld {
            main: Source::new(main_id, template.to_owned()),
            data_id: FileId::new(None, VirtualPath::new(data_path)),
            data: Bytes::new(data),
        }
    }
}

impl World for PaperWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else {
            Err(FileError::NotFound(id.vpath().as_rootless_path().into()))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().fonts.get(index).cloned()
    }

    // The paper never reads the clock: dates come already written in the data.
    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        None
    }
}

/// Typst's messages (about the template, never quoting the data).
pub(crate) fn messages(diagnostics: &[SourceDiagnostic]) -> Vec<String> {
    diagnostics.iter().map(|d| d.message.to_string()).collect()
}
