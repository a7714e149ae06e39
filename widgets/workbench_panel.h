// What the main window needs from a panel besides being a QWidget: the open workspace, selection by
// key (for `genra-workbench --panel NAME --select KEY=VALUE`), and whether it is still loading
// (a screenshot waits until no panel is busy). Panels inherit QWidget and this interface; every
// method has a harmless default so a panel implements only what it uses.
#pragma once

#include <QString>

namespace genra::store {
class Workspace;
}

namespace genra::widgets {

class JobManager;

class WorkbenchPanel {
public:
    virtual ~WorkbenchPanel() = default;
    // The workspace the main window opened (null: none). The panel may keep the pointer until the
    // next call; it stays valid until then.
    virtual void setWorkspace(store::Workspace* workspace) { (void)workspace; }
    // Selects something named by KEY=VALUE (e.g. caption=42); false when the key is not known or
    // the value not found.
    virtual bool select(const QString& key, const QString& value) {
        (void)key;
        (void)value;
        return false;
    }
    // True while the panel waits on a query, decode or job it needs to show its content.
    virtual bool isBusy() const { return false; }
    // Re-reads what the workspace holds (after a job wrote to it).
    virtual void refresh() {}
};

// What a panel factory gets from the main window.
struct PanelContext {
    JobManager* jobs = nullptr;
};

}  // namespace genra::widgets
