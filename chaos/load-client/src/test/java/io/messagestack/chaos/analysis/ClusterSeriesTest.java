package io.messagestack.chaos.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

class ClusterSeriesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    @Test
    void mergesSizeAndTheServerWithSessionsByTime() throws Exception {
        // The writer db-0 dies at t=20: db-1 takes the sessions, the cluster shrinks to 2, then db-0 is back.
        JsonNode size = json("{'status':'success','data':{'resultType':'matrix','result':[{'metric':{},"
                + "'values':[[10,'3'],[20,'2'],[30,'3']]}]}}");
        JsonNode writer = json("{'status':'success','data':{'resultType':'matrix','result':["
                + "{'metric':{'server':'db-0'},'values':[[10,'4'],[30,'0']]},"
                + "{'metric':{'server':'db-1'},'values':[[20,'3'],[30,'5']]},"
                + "{'metric':{'server':'db-2'},'values':[[40,'0']]}]}}");
        List<ClusterSeries.Sample> samples = ClusterSeries.fromPrometheus(size, writer);
        assertEquals(List.of(
                new ClusterSeries.Sample(10_000, 3, "db-0"),
                new ClusterSeries.Sample(20_000, 2, "db-1"),
                new ClusterSeries.Sample(30_000, 3, "db-1"),
                new ClusterSeries.Sample(40_000, null, null)), samples);
        assertEquals(1, samples.get(1).writerOrdinal());
        assertNull(samples.get(3).writerOrdinal());
    }

    @Test
    void aFailedQueryIsAnErrorNotAnEmptyPanel() throws Exception {
        JsonNode failed = json("{'status':'error','error':'parse error at char 3'}");
        JsonNode empty = json("{'status':'success','data':{'resultType':'matrix','result':[]}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClusterSeries.fromPrometheus(empty, failed));
        assertTrue(e.getMessage().contains("writer") && e.getMessage().contains("parse error"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClusterSeries.fromPrometheus(
                json("{'status':'success','data':{'resultType':'vector','result':[]}}"), empty));
    }
}
