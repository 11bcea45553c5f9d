package org.tinyphone.ari;

/** A registered listener; {@link #close()} removes it. */
public interface AriSubscription extends AutoCloseable {
    /** Stops delivery to this listener. */
    @Override
    void close();

    /** Items dropped for this listener because it fell more than its queue behind. */
    long dropped();
}
