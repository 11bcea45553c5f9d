package org.tinyphone.examples.agi;

import org.tinyphone.agi.AgiApp;
import org.tinyphone.agi.AgiChannel;

/** {@code /hello}: answer, "hello world", the monkeys ({@code #} skips them), "goodbye", hang up. */
public final class HelloApp implements AgiApp {
    @Override
    public void run(AgiChannel ch) {
        ch.answer();
        ch.streamFile("hello-world");
        ch.streamFile("tt-monkeys", "#");
        ch.streamFile("goodbye");
        ch.hangup();
    }
}
