// A schema worker module that fails as it loads: for tests of a thread that fails outside
// any task (`createSchemaWorkers`'s `entry`).
throw new Error("this worker fails as it loads");
