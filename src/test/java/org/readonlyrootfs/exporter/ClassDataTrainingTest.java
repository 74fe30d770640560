package org.readonlyrootfs.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ClassDataTrainingTest {
    @Test
    void theExporterStartsScansTheStandInDaemonAndServesEveryEndpoint() {
        // what the image build runs for its class-data archive: a failure there fails the build
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ClassDataTraining.run(new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals("", err.toString(StandardCharsets.UTF_8));
        assertEquals(0, status);
    }
}
