package dev.spate.engine;

/** Small helpers for messages shown to users. */
final class Messages {
    private Messages() {
    }

    /** The message of {@code t} or of the first cause that has one, on one line. */
    static String message(Throwable t) {
        Throwable e = t;
        while ((e instanceof java.util.concurrent.CompletionException || e.getMessage() == null) && e.getCause() != null) {
            e = e.getCause();
        }
        String m = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        return m.replace('\n', ' ');
    }
}
