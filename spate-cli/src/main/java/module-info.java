/** The spate command: a picocli front end on the engine's exported packages. */
module dev.spate.cli {
    requires dev.spate.engine;
    requires dev.spate.daemon;
    requires info.picocli;
    requires tools.jackson.databind;
    requires tools.jackson.dataformat.toml;
    requires java.logging;
    requires jdk.unsupported;

    opens dev.spate.cli to info.picocli;
}
