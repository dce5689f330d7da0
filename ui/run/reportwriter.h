// Reports of runs as HTML (core's, charts as inline SVG) or PDF (the same
// parts laid out by QTextDocument on A4 pages, tables at the full width with
// words never broken, charts across the page drawn from their SVG as vectors).
#pragma once

#include <QImage>
#include <QString>
#include <QTextDocument>

#include <memory>
#include <vector>

#include "store/report.h"
#include "store/runstore.h"

namespace hyperlab {

/// The report as a document (for PDF and for tests).
std::unique_ptr<QTextDocument> report_document(const std::vector<RunRecord>& runs, const QString& title,
                                               const ReportOptions& options = {});
/// Writes FILE (.html or .pdf; A4 pages numbered "page k of n"); returns an error message or "".
QString write_report(const std::vector<RunRecord>& runs, const QString& title, const QString& file,
                     const ReportOptions& options = {});
/// The same for parts made elsewhere (a sweep's report).
std::unique_ptr<QTextDocument> report_document(const ReportParts& parts);
QString write_report(const ReportParts& parts, const QString& file);

}  // namespace hyperlab
