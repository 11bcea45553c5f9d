package org.tinyphone.ari;

import java.util.LinkedHashMap;
import java.util.Map;

/** A bounded set of ids, oldest forgotten first (so a set fed by outside events cannot grow without end). */
final class RecentIds {
    private final Map<String, Boolean> ids;

    RecentIds(int max) {
        this.ids = new LinkedHashMap<>(64, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) { return size() > max; }
        };
    }

    synchronized void add(String id) { ids.put(id, Boolean.TRUE); }

    synchronized boolean contains(String id) { return ids.containsKey(id); }

    synchronized boolean remove(String id) { return ids.remove(id) != null; }
}
