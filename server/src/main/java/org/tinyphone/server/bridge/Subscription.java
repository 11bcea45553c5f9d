package org.tinyphone.server.bridge;

/** One subscriber's subscription to one number (or to all of them); closing it unsubscribes. */
public interface Subscription extends AutoCloseable {
    /** The number, or {@code "*"} for all numbers. */
    String number();

    @Override
    void close();
}
