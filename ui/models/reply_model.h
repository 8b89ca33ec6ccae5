#pragma once

#include <QAbstractTableModel>
#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace cerulean::ui {

// One scored row: its label and, from predict_proba, one probability per class.
struct ScoredRow
{
    QString label;
    QList<double> probabilities; // in the order of ScoringResult::classLabels; empty for predict
};

struct ScoringResult
{
    QStringList classLabels; // known when the reply names them (or from the caller's hint)
    QList<ScoredRow> rows;
};

// Reads a scoring reply in every form Azure ML and core/serving send: {"result":[…]},
// {"Results":[…]}, a bare array, or the same as JSON text inside a JSON string (the old
// scoring scripts). Items are labels, arrays of class probabilities, or {class: probability}
// objects. `classLabels` names the classes of probability arrays when the reply does not.
bool parseScoringReply(const QByteArray &body, const QStringList &classLabels, ScoringResult &result, QString &error);

// The reply of the last request as a table: request row, label, one probability per class.
class ReplyModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        RowColumn,
        LabelColumn,
        FirstClassColumn, // P(class 1), P(class 2), …
    };

    explicit ReplyModel(QObject *parent = nullptr);

    void setResult(const ScoringResult &result);
    void clear();
    const ScoringResult &result() const { return m_result; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    int classCount() const;

    ScoringResult m_result;
};

} // namespace cerulean::ui
