//! Column-wide facts gathered from every row: the day/month order of a
//! date column and the width of an ID column whose values keep leading
//! zeros.

use super::ImportPlan;
use crate::catalog::FieldType;
use crate::row::SourceRow;
use crate::rules::{numeric_parts, template_order, trim, DateFormat, DateOrder};

/// What the date and ID columns' cells show, gathered row by row.
pub(crate) struct ColumnStats {
    /// Index in the plan's columns, the file's column, and the evidence.
    columns: Vec<(usize, usize, Evidence)>,
}

enum Evidence {
    Date(DateEvidence),
    Id(Box<IdWidths>),
}

impl ColumnStats {
    /// Only the columns whose cells can settle something: dates read by the
    /// column (the template's format settles the rest) and identifiers.
    pub(crate) fn new(plan: &ImportPlan) -> ColumnStats {
        let auto_dates = plan.settings.date_format == DateFormat::Auto;
        let columns = plan
            .columns
            .iter()
            .enumerate()
            .filter_map(|(at, planned)| {
                let evidence = match plan.entity.field(&planned.field)?.field_type {
                    FieldType::Date if auto_dates => Evidence::Date(DateEvidence::default()),
                    FieldType::Id { .. } => Evidence::Id(Box::default()),
                    _ => return None,
                };
                Some((at, planned.column, evidence))
            })
            .collect();
        ColumnStats { columns }
    }

    pub(crate) fn add(&mut self, row: &SourceRow) {
        for (_, column, evidence) in &mut self.columns {
            let cell = trim(row.cell(*column));
            match evidence {
                Evidence::Date(dates) => dates.add(cell),
                Evidence::Id(widths) => widths.add(cell),
            }
        }
    }

    pub(crate) fn settle(self, plan: &mut ImportPlan) {
        let format = plan.settings.date_format;
        let entity = plan.entity;
        for planned in &mut plan.columns {
            if let Some(FieldType::Date) = entity.field(&planned.field).map(|f| f.field_type) {
                planned.date_order = template_order(format);
            }
        }
        for (at, _, evidence) in self.columns {
            let planned = &mut plan.columns[at];
            match evidence {
                Evidence::Date(dates) => planned.date_order = dates.order(),
                Evidence::Id(widths) => planned.id_width = widths.width(),
            }
        }
    }
}

/// A first part over 12 proves day first, a second part over 12 month
/// first; with evidence of both kinds the column stays undecided, so its
/// ambiguous values fail rather than being read one way by guess.
#[derive(Default)]
struct DateEvidence {
    day_first: bool,
    month_first: bool,
}

impl DateEvidence {
    fn add(&mut self, cell: &str) {
        if let Some(parts) = numeric_parts(cell) {
            self.day_first |= parts.first > 12 && parts.second <= 12;
            self.month_first |= parts.second > 12 && parts.first <= 12;
        }
    }

    fn order(&self) -> Option<DateOrder> {
        match (self.day_first, self.month_first) {
            (true, false) => Some(DateOrder::DayFirst),
            (false, true) => Some(DateOrder::MonthFirst),
            _ => None,
        }
    }
}

/// The share of a column's values that must be digits of one width before
/// shorter ones are suspected of having lost leading zeros.
const ID_WIDTH_SHARE: (usize, usize) = (4, 5);

/// The widths of an ID column's all-digit values.
struct IdWidths {
    /// Index = width; (values of that width, of which start with 0).
    by_width: [(usize, usize); 65],
    non_blank: usize,
}

impl Default for IdWidths {
    fn default() -> Self {
        IdWidths {
            by_width: [(0, 0); 65],
            non_blank: 0,
        }
    }
}

impl IdWidths {
    fn add(&mut self, cell: &str) {
        if cell.is_empty() {
            return;
        }
        self.non_blank += 1;
        if cell.len() < self.by_width.len() && cell.bytes().all(|b| b.is_ascii_digit()) {
            let entry = &mut self.by_width[cell.len()];
            entry.0 += 1;
            entry.1 += usize::from(cell.starts_with('0'));
        }
    }

    /// The width W when most values are W digits and some start with `0`,
    /// which shows the zeros are meaningful and were kept.
    fn width(&self) -> Option<u8> {
        let (width, &(count, zeros)) = self
            .by_width
            .iter()
            .enumerate()
            .max_by_key(|(_, (count, _))| *count)?;
        let (num, den) = ID_WIDTH_SHARE;
        if count > 0 && zeros > 0 && count * den >= self.non_blank * num {
            u8::try_from(width).ok()
        } else {
            None
        }
    }
}
