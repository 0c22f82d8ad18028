// The Docker API's types live in BerthAPIModel so that the client
// (BerthClient) shares them without linking the engine; re-exported here so
// that the engine's users see them as before.
@_exported import BerthAPIModel
