package org.storagegateway.smis.simulator.cim;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/** The 25-character CIM datetime forms: timestamps {@code yyyymmddhhmmss.mmmmmmsUUU} and intervals {@code ddddddddhhmmss.mmmmmm:000}. */
public final class CimDateTime {
    private static final Pattern TIMESTAMP = Pattern.compile("[0-9*]{14}\\.[0-9*]{6}[+-][0-9*]{3}");
    private static final Pattern INTERVAL = Pattern.compile("[0-9*]{14}\\.[0-9*]{6}:000");
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMddHHmmss.SSSSSS").withZone(ZoneOffset.UTC);

    private CimDateTime() {
    }

    /** @throws IllegalArgumentException if the text is neither a CIM timestamp nor a CIM interval */
    public static void check(String text) {
        if (!TIMESTAMP.matcher(text).matches() && !INTERVAL.matcher(text).matches()) {
            throw new IllegalArgumentException("not a CIM datetime: " + text);
        }
    }

    /** A timestamp in UTC. */
    public static String timestamp(Instant instant) {
        return STAMP.format(instant) + "+000";
    }

    /** An interval, with microsecond precision. */
    public static String interval(Duration duration) {
        Duration d = duration.isNegative() ? Duration.ZERO : duration;
        long days = d.toDays();
        return String.format("%08d%02d%02d%02d.%06d:000", days, d.toHoursPart(), d.toMinutesPart(), d.toSecondsPart(),
                d.toNanosPart() / 1000);
    }
}
