package io.countersign.engine;

import java.util.Set;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.spring.ProcessEngineFactoryBean;
import org.springframework.boot.sql.init.dependency.AbstractBeansOfTypeDependsOnDatabaseInitializationDetector;

/**
 * The process engine only checks its tables when it starts (schema-update is off); Flyway creates
 * them (EngineSchemaMigration). Registered in META-INF/spring.factories, so Spring Boot starts the
 * engine after every database initializer, Flyway included.
 */
class EngineStartsAfterMigrations
    extends AbstractBeansOfTypeDependsOnDatabaseInitializationDetector {

  @Override
  protected Set<Class<?>> getDependsOnDatabaseInitializationBeanTypes() {
    return Set.of(ProcessEngineFactoryBean.class, ProcessEngine.class);
  }
}
