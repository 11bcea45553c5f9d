package org.tinyphone.agi;

/**
 * One call-handling application: plain blocking code run on the call's own virtual thread.
 * Return normally to end the AGI (Asterisk continues the dialplan with {@code AGISTATUS=SUCCESS}).
 */
@FunctionalInterface
public interface AgiApp {
    void run(AgiChannel channel) throws Exception;
}
