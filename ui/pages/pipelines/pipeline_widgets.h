#pragma once

// Small builders the Pipelines step's tabs share, so that their tables and fields look and
// behave alike.

#include <QString>

class QLabel;
class QLineEdit;
class QPushButton;
class QScrollArea;
class QTableView;
class QWidget;

namespace cerulean::ui {

class PipelineTableModel;

namespace pipelines {

// A read-only table of whole rows, one selected at a time.
QTableView *tableView(const QString &name, PipelineTableModel *model, QWidget *parent);
QLineEdit *lineEdit(const QString &name, const QString &text, QWidget *parent, const QString &placeholder = {});
QPushButton *button(const QString &name, const QString &text, QWidget *parent);
// A line of help under a field: small and wrapped.
QLabel *helpLabel(const QString &name, const QString &text, QWidget *parent);
// Sets a field's text showing its beginning (a long asset name or path is read from the left),
// with the whole text in its tooltip.
void setFieldText(QLineEdit *edit, const QString &text);
// Keeps a view's selection on the row whose first cell is `name` after its model was reset,
// without announcing it.
void reselect(QTableView *view, PipelineTableModel *model, const QString &name);
// The name of the selected row (its first cell), "" when none.
QString selectedName(QTableView *view, PipelineTableModel *model);
// A tab's content in a scroll area: a small window scrolls rather than cuts the form.
QScrollArea *scrolling(QWidget *content, QWidget *parent);

} // namespace pipelines
} // namespace cerulean::ui
