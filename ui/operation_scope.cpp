#include "ui/operation_scope.h"

namespace cerulean::ui {

OperationScope::OperationScope(QObject *owner)
    : m_owner(owner)
{
}

OperationScope::~OperationScope()
{
    // The owner is going: nothing of the operation is on the stack any more, and no event loop
    // may come to delete it later.
    delete m_context.data();
}

QObject *OperationScope::begin()
{
    end();
    m_context = new QObject(m_owner);
    m_context->setObjectName(QStringLiteral("operationContext"));
    return m_context.data();
}

void OperationScope::end()
{
    QObject *context = m_context.data();
    m_context.clear();
    if (!context)
        return;
    // The operation's workflow objects may be on the stack (the sender of the signal whose slot
    // ended them): silenced now, deleted once control is back in the event loop. Their own
    // requests name them as context and die with them.
    const QObjectList children = context->children();
    for (QObject *child : children) {
        child->blockSignals(true);
        child->setParent(nullptr);
        child->deleteLater();
    }
    // Nothing runs as the context itself: it can go at once, and with it every callback that names it.
    delete context;
}

} // namespace cerulean::ui
