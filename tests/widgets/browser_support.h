// Shared by the widget tests that look at the caption browser: the caption ids it lists.
#pragma once

#include "widgets/caption_browser.h"
#include "widgets/caption_list_model.h"

#include <QList>

namespace genra::test {

inline QList<qint64> listedCaptions(const widgets::CaptionBrowser& browser) {
    const auto& ids = browser.model()->captionIds();
    return QList<qint64>(ids.begin(), ids.end());
}

}  // namespace genra::test
