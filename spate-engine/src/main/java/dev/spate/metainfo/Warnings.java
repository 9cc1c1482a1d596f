package dev.spate.metainfo;

import java.util.ArrayList;
import java.util.List;

/**
 * What the parser changed to make a torrent safe to open, for the user to see. Bounded: a hostile
 * torrent with a million unsafe paths gets the first {@value #MAX} and a count of the rest.
 * Confined to the parsing thread.
 */
final class Warnings {
    static final int MAX = 100;
    private final List<String> list = new ArrayList<>();
    private int dropped;

    void add(String warning) {
        if (list.size() < MAX) {
            list.add(warning);
        } else {
            dropped++;
        }
    }

    List<String> list() {
        List<String> out = new ArrayList<>(list);
        if (dropped > 0) {
            out.add(dropped + " more warnings like these");
        }
        return List.copyOf(out);
    }
}
