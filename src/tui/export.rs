//! `:export PATH`: the active table's rows — every one the filter lets through, not only
//! those on screen — to a CSV or a JSON file, chosen by the extension. The rows are copied
//! out of the table on the UI thread; the file is written off it ([`perform`]), and how
//! that ended comes back as [`Msg::Exported`]. Headers and JSON keys are the columns'
//! catalog key suffixes (`instance`, `readiness`): the same in every language.

use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::Serialize;
use serde::ser::SerializeMap;

use super::app::{App, Effect, Msg};
use super::panes::Column;
use crate::i18n::{t, tf};

/// The key of the row's own id, in front of the columns.
pub const ROW_ID: &str = "row_id";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    /// By the file's extension (any case): `.csv` or `.json`, nothing else.
    pub fn of(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Self::Csv),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Csv => "CSV",
            Self::Json => "JSON",
        }
    }
}

/// What one export writes, taken from the table when `:export` was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// Where, absolute (`~/` expanded).
    pub path: PathBuf,
    pub format: Format,
    /// The pane's `:` command word (`instances`).
    pub pane: &'static str,
    /// An open detail view: the row it opened.
    pub detail: Option<String>,
    pub filter: String,
    pub at: Timestamp,
    /// [`ROW_ID`], then one key per column.
    pub keys: Vec<String>,
    /// Each row's id, then its cells: as many as `keys`.
    pub rows: Vec<Vec<String>>,
}

/// How an export ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub path: PathBuf,
    pub format: Format,
    pub rows: usize,
    pub error: Option<WriteError>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteError {
    pub kind: std::io::ErrorKind,
    /// The system's own words, said when the kind has none of ours.
    pub message: String,
}

/// [`ROW_ID`] and the columns' catalog key suffixes (`ui.col.instance` → `instance`); a
/// suffix met before gets `_2`, `_3`….
pub fn keys(columns: &[Column]) -> Vec<String> {
    let mut out = vec![ROW_ID.to_string()];
    for c in columns {
        let base = c.key.rsplit('.').next().unwrap_or(c.key);
        let mut key = base.to_string();
        let mut n = 2;
        while out.contains(&key) {
            key = format!("{base}_{n}");
            n += 1;
        }
        out.push(key);
    }
    out
}

/// `:export PATH` (the rest of the command line): the export to run, or a status line
/// saying why not.
pub(super) fn start(app: &mut App, arg: &str) -> Vec<Effect> {
    let lang = app.lang;
    let arg = arg.trim();
    if arg.is_empty() {
        app.error(t(lang, "export.usage"));
        return Vec::new();
    }
    let path = resolve(arg);
    let Some(format) = Format::of(&path) else {
        app.error(tf(lang, "export.extension", &[("path", arg)]));
        return Vec::new();
    };
    let Some(table) = app.table() else {
        app.error(t(lang, "export.nothing"));
        return Vec::new();
    };
    let keys = keys(&super::table_view::columns_of(app, table));
    let rows: Vec<Vec<String>> = table
        .visible
        .iter()
        .filter_map(|&i| table.rows.get(i))
        .map(|r| {
            let mut line = Vec::with_capacity(keys.len());
            line.push(r.id.clone());
            line.extend(r.cells.iter().take(keys.len() - 1).map(|c| c.text.clone()));
            line.resize(keys.len(), String::new());
            line
        })
        .collect();
    let export = Export {
        format,
        pane: app.pane.spec().command(),
        detail: app.drill.as_ref().map(|d| d.id.clone()),
        filter: table.filter.clone(),
        at: app.now,
        keys,
        rows,
        path,
    };
    app.info(tf(
        lang,
        "export.writing",
        &[
            ("n", &export.rows.len().to_string()),
            ("path", &export.path.display().to_string()),
        ],
    ));
    vec![Effect::Export(Box::new(export))]
}

/// `~/` is the home folder; a relative path is taken from the working directory.
fn resolve(arg: &str) -> PathBuf {
    let path = match arg.strip_prefix("~/") {
        Some(rest) => etcetera::home_dir()
            .map(|home| home.join(rest))
            .unwrap_or_else(|_| PathBuf::from(arg)),
        None => PathBuf::from(arg),
    };
    std::path::absolute(&path).unwrap_or(path)
}

/// Writes the export (blocking: run it off the UI thread) and says how that ended.
pub fn perform(export: Box<Export>) -> Msg {
    let error = write(&export).err().map(|e| WriteError {
        kind: e.kind(),
        message: e.to_string(),
    });
    Msg::Exported(Exported {
        path: export.path,
        format: export.format,
        rows: export.rows.len(),
        error,
    })
}

/// Writes the file whole or not at all: into a temporary file beside it, then renamed.
pub fn write(export: &Export) -> std::io::Result<()> {
    let name = export
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = export
        .path
        .with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = write_to(&tmp, export).and_then(|()| std::fs::rename(&tmp, &export.path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

fn write_to(path: &Path, export: &Export) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    let file = match export.format {
        Format::Csv => {
            let mut out = csv::Writer::from_writer(file);
            out.write_record(&export.keys)?;
            for row in &export.rows {
                out.write_record(row)?;
            }
            out.into_inner().map_err(|e| e.into_error())?
        }
        Format::Json => {
            let mut out = std::io::BufWriter::new(file);
            serde_json::to_writer_pretty(&mut out, &Document(export))?;
            out.write_all(b"\n")?;
            out.into_inner().map_err(|e| e.into_error())?
        }
    };
    file.sync_all()
}

/// The JSON document: what was exported, then the rows as objects in column order.
struct Document<'a>(&'a Export);

impl Serialize for Document<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut map = serializer.serialize_map(Some(7))?;
        map.serialize_entry("pane", e.pane)?;
        map.serialize_entry("detail", &e.detail)?;
        map.serialize_entry("filter", &e.filter)?;
        map.serialize_entry("exported_at", &e.at)?;
        map.serialize_entry("columns", &e.keys)?;
        map.serialize_entry("count", &e.rows.len())?;
        map.serialize_entry("rows", &Rows(e))?;
        map.end()
    }
}

struct Rows<'a>(&'a Export);

impl Serialize for Rows<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let keys = &self.0.keys;
        serializer.collect_seq(self.0.rows.iter().map(|row| RowObject { keys, cells: row }))
    }
}

struct RowObject<'a> {
    keys: &'a [String],
    cells: &'a [String],
}

impl Serialize for RowObject<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.keys.iter().zip(self.cells))
    }
}

/// The status line once the file is written, or why it is not.
pub(super) fn on_exported(app: &mut App, done: Exported) {
    let lang = app.lang;
    let path = done.path.display().to_string();
    let Some(error) = done.error else {
        app.info(tf(
            lang,
            "export.written",
            &[
                ("n", &done.rows.to_string()),
                ("path", &path),
                ("format", done.format.name()),
            ],
        ));
        return;
    };
    use std::io::ErrorKind;
    let reason = match error.kind {
        ErrorKind::NotFound => t(lang, "export.reason.not_found"),
        ErrorKind::NotADirectory => t(lang, "export.reason.not_a_folder"),
        ErrorKind::IsADirectory => t(lang, "export.reason.is_folder"),
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => {
            t(lang, "export.reason.denied")
        }
        ErrorKind::StorageFull => t(lang, "export.reason.full"),
        _ => error.message,
    };
    app.error(tf(
        lang,
        "export.failed",
        &[("path", &path), ("reason", &reason)],
    ));
}
