// Reports in the project file (migration 4): a report is a title and an ordered list of sections; each section keeps
// the snapshot of what was sent (JSON) and the parameters that made it. Positions are 0..n-1 without gaps; every
// write that touches more than one row runs in one transaction.
import type { ReportDetail, ReportInfo, ReportSectionInfo, ReportSectionKind } from '../report/types';
import { UserError } from '../errors';
import type { Db } from './project';

interface ReportRow {
  id: number;
  title: string;
  created_at: string;
  updated_at: string;
  section_count: number;
}

interface SectionRow {
  id: number;
  report_id: number;
  position: number;
  kind: string;
  title: string;
  params_json: string;
  created_at: string;
}

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";
const reportSelect = `SELECT r.*, (SELECT count(*) FROM report_sections s WHERE s.report_id = r.id) AS section_count FROM reports r`;
const sectionColumns = 'id, report_id, position, kind, title, params_json, created_at';

const reportFromRow = (r: ReportRow): ReportInfo => ({ id: r.id, title: r.title, createdAt: r.created_at, updatedAt: r.updated_at, sectionCount: r.section_count });

const sectionFromRow = (r: SectionRow): ReportSectionInfo => ({
  id: r.id,
  reportId: r.report_id,
  position: r.position,
  kind: r.kind as ReportSectionKind,
  title: r.title,
  params: JSON.parse(r.params_json) as Record<string, unknown>,
  createdAt: r.created_at,
});

export function listReports(db: Db): ReportInfo[] {
  return (db.prepare(`${reportSelect} ORDER BY r.updated_at DESC, r.id DESC`).all() as ReportRow[]).map(reportFromRow);
}

export function getReport(db: Db, id: number): ReportDetail {
  const row = db.prepare(`${reportSelect} WHERE r.id = ?`).get(id) as ReportRow | undefined;
  if (!row) throw new UserError('report.unknown', `There is no report ${id} in this project.`);
  const sections = (db.prepare(`SELECT ${sectionColumns} FROM report_sections WHERE report_id = ? ORDER BY position`).all(id) as SectionRow[]).map(sectionFromRow);
  return { ...reportFromRow(row), sections };
}

export function createReport(db: Db, title: string): number {
  return Number(db.prepare('INSERT INTO reports(title) VALUES (?)').run(title).lastInsertRowid);
}

export function renameReport(db: Db, id: number, title: string): void {
  getReport(db, id);
  db.prepare(`UPDATE reports SET title = ?, updated_at = ${NOW} WHERE id = ?`).run(title, id);
}

/** Delete a report with its sections (ON DELETE CASCADE); returns what was deleted. */
export function deleteReport(db: Db, id: number): { id: number; title: string } {
  const { title } = getReport(db, id);
  db.prepare('DELETE FROM reports WHERE id = ?').run(id);
  return { id, title };
}

/**
 * Append a section; with `report.create`, the report is created in the same transaction, so a failed write leaves
 * neither behind. Returns the report id and the section id.
 */
export function addSection(
  db: Db,
  report: { id: number } | { create: string },
  section: { kind: ReportSectionKind; title: string; params: unknown; snapshot: unknown },
): { reportId: number; sectionId: number } {
  return db.transaction(() => {
    const reportId = 'id' in report ? report.id : createReport(db, report.create);
    if ('id' in report) getReport(db, reportId);
    const next = (db.prepare('SELECT count(*) AS n FROM report_sections WHERE report_id = ?').get(reportId) as { n: number }).n;
    const sectionId = Number(
      db
        .prepare('INSERT INTO report_sections(report_id, position, kind, title, params_json, snapshot_json) VALUES (?, ?, ?, ?, ?, ?)')
        .run(reportId, next, section.kind, section.title, JSON.stringify(section.params), JSON.stringify(section.snapshot)).lastInsertRowid,
    );
    db.prepare(`UPDATE reports SET updated_at = ${NOW} WHERE id = ?`).run(reportId);
    return { reportId, sectionId };
  })();
}

function sectionRow(db: Db, sectionId: number): SectionRow {
  const row = db.prepare(`SELECT ${sectionColumns} FROM report_sections WHERE id = ?`).get(sectionId) as SectionRow | undefined;
  if (!row) throw new UserError('report.unknown-section', `There is no report section ${sectionId} in this project.`);
  return row;
}

export function getSection(db: Db, sectionId: number): ReportSectionInfo {
  return sectionFromRow(sectionRow(db, sectionId));
}

/** Rewrite the positions of a report's sections to `order` (section ids), 0..n-1, and touch the report. */
function reorder(db: Db, reportId: number, order: number[]): void {
  const set = db.prepare('UPDATE report_sections SET position = ? WHERE id = ?');
  order.forEach((sectionId, position) => set.run(position, sectionId));
  db.prepare(`UPDATE reports SET updated_at = ${NOW} WHERE id = ?`).run(reportId);
}

function sectionIds(db: Db, reportId: number): number[] {
  return (db.prepare('SELECT id FROM report_sections WHERE report_id = ? ORDER BY position').all(reportId) as { id: number }[]).map((r) => r.id);
}

/** Remove a section and close the gap it leaves; returns its report's id. */
export function removeSection(db: Db, sectionId: number): number {
  const row = sectionRow(db, sectionId);
  db.transaction(() => {
    db.prepare('DELETE FROM report_sections WHERE id = ?').run(sectionId);
    reorder(db, row.report_id, sectionIds(db, row.report_id));
  })();
  return row.report_id;
}

/** Move a section to `position` (clamped to the end); returns its report's id. */
export function moveSection(db: Db, sectionId: number, position: number): number {
  const row = sectionRow(db, sectionId);
  db.transaction(() => {
    const order = sectionIds(db, row.report_id).filter((id) => id !== sectionId);
    order.splice(Math.min(position, order.length), 0, sectionId);
    reorder(db, row.report_id, order);
  })();
  return row.report_id;
}

/** Every section of a report with its snapshot, in order (for rendering). */
export function sectionsWithSnapshots(db: Db, reportId: number): (ReportSectionInfo & { snapshot: unknown })[] {
  const rows = db.prepare(`SELECT ${sectionColumns}, snapshot_json FROM report_sections WHERE report_id = ? ORDER BY position`).all(reportId) as (SectionRow & { snapshot_json: string })[];
  return rows.map((r) => ({ ...sectionFromRow(r), snapshot: JSON.parse(r.snapshot_json) as unknown }));
}
