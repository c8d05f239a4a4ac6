package io.countersign;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class CountersignApplication {

  public static void main(String[] args) {
    if (args.length > 0 && "cli".equals(args[0])) {
      // The pipelines' command-line client: no Spring, no engine, just HTTP to a running server.
      System.exit(io.countersign.cli.Cli.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
    }
    SpringApplication.run(CountersignApplication.class, args);
  }
}
