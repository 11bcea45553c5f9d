package org.tinyphone.ari;

/**
 * Handles one channel that entered a Stasis application: plain blocking code on the call's own virtual thread.
 * When {@code run} returns (or throws) and the channel is still in Stasis, it goes back to the dialplan
 * ({@code continue}: Asterisk sets {@code STASISSTATUS=SUCCESS}), as the dialplan goes on after an AGI returns.
 */
@FunctionalInterface
public interface StasisApp {
    void run(StasisCall call) throws Exception;
}
