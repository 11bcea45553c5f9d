package org.tinyphone.ami;

/** A registered listener; {@link #close()} removes it and stops its dispatch thread. */
public interface AmiSubscription extends AutoCloseable {
    @Override
    void close();

    /** Events this listener lost because it was stuck with a full queue (0 for a listener that keeps up). */
    default long dropped() { return 0; }
}
