// Includes QCustomPlot in targets built with QT_NO_KEYWORDS: its header still says `signals:` and
// `foreach`, so those two words are mapped to Qt's macros just for the include.
#pragma once

#if defined(QT_NO_KEYWORDS) && !defined(signals)
#define signals Q_SIGNALS
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef foreach
#else
#include <qcustomplot.h>
#endif
