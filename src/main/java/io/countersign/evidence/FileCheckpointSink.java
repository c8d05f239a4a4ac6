package io.countersign.evidence;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Checkpoints as JSON lines appended to one file, one line per checkpoint, written through to the
 * disk before the write returns. The file is read once at start; afterwards the latest checkpoint
 * of each chain is kept in memory, so a file truncated while the server runs does not lower it. One
 * file per node: in a cluster, nodes see each other's checkpoints only through a shared sink (S3).
 */
final class FileCheckpointSink implements CheckpointSink {
  static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private final Path file;
  private final PublicKey key;
  private final Map<String, Checkpoint> latest = new ConcurrentHashMap<>();
  private final Map<String, List<String>> problems = new ConcurrentHashMap<>();
  private final List<String> unattributed = new CopyOnWriteArrayList<>();

  FileCheckpointSink(Path file, PublicKey key) {
    this.file = file.toAbsolutePath().normalize();
    this.key = key;
    load();
  }

  Path file() {
    return file;
  }

  @Override
  public String describe() {
    return "checkpoint file " + file;
  }

  @Override
  public synchronized void write(Checkpoint checkpoint) throws IOException {
    ByteBuffer line = ByteBuffer.wrap((JSON.writeValueAsString(checkpoint) + "\n").getBytes(UTF_8));
    Files.createDirectories(file.getParent());
    // Opened per write in append mode: a line never overwrites another, and a file moved away is
    // recreated.
    try (FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      while (line.hasRemaining()) {
        channel.write(line);
      }
      channel.force(false);
    }
    remember(checkpoint);
  }

  @Override
  public Reading latest(String chain) {
    return new Reading(latest.get(chain), List.copyOf(problems.getOrDefault(chain, List.of())));
  }

  @Override
  public Set<String> chains() {
    Set<String> chains = new java.util.TreeSet<>(latest.keySet());
    chains.addAll(problems.keySet());
    return chains;
  }

  @Override
  public List<String> unattributed() {
    return List.copyOf(unattributed);
  }

  private void load() {
    if (!Files.exists(file)) {
      return;
    }
    try (BufferedReader reader = Files.newBufferedReader(file, UTF_8)) {
      int number = 0;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        number++;
        if (!line.isBlank()) {
          accept(line, number);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the evidence checkpoint file " + file, e);
    }
  }

  private void accept(String line, int number) {
    Checkpoint checkpoint;
    try {
      checkpoint = JSON.readValue(line, Checkpoint.class);
    } catch (JsonProcessingException e) {
      unattributed.add(describe() + " line " + number + " is not a checkpoint");
      return;
    }
    if (checkpoint.chain() == null) {
      unattributed.add(describe() + " line " + number + " names no chain");
    } else if (!checkpoint.verifies(key)) {
      problems
          .computeIfAbsent(checkpoint.chain(), c -> new ArrayList<>())
          .add(
              describe()
                  + " line "
                  + number
                  + " (count "
                  + checkpoint.count()
                  + ") is not signed with the evidence signing key (forged, or another key)");
    } else {
      remember(checkpoint);
    }
  }

  private void remember(Checkpoint checkpoint) {
    latest.merge(
        checkpoint.chain(), checkpoint, (old, now) -> now.count() >= old.count() ? now : old);
  }
}
