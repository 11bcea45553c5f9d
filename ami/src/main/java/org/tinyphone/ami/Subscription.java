package org.tinyphone.ami;

/** A registered listener; {@link #close()} removes it and stops its dispatch thread. */
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
