using System.Text.Json.Nodes;

namespace FedFace.Benchmarks;

/// <summary>The demo's figures (./run-demo.sh), taken from the simulator's simulation-report.json.</summary>
public static class DemoReport
{
    public static JsonObject Read(string path)
    {
        JsonNode report = JsonNode.Parse(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty");
        JsonNode Require(JsonNode node, string name) =>
            node[name] ?? throw new InvalidDataException($"{path}: no '{name}' (is this the simulator's simulation-report.json?)");
        return new JsonObject
        {
            ["source"] = Path.GetFullPath(path),
            ["started_at_utc"] = report["StartedAtUtc"]?.DeepClone(),
            ["machine"] = report["Machine"]?.DeepClone(),
            ["settings"] = Require(report, "Settings").DeepClone(),
            // Round 0 is the initial model's accuracy, before any federated round.
            ["rounds"] = new JsonArray([.. Require(report, "Rounds").AsArray().Select(round => new JsonObject
            {
                ["round"] = Require(round!, "Round").DeepClone(),
                ["committed"] = round!["Committed"]?.DeepClone(),
                ["accuracy"] = Require(round!, "Accuracy").DeepClone(),
                ["accuracy_std"] = round!["AccuracyStd"]?.DeepClone(),
                ["round_seconds"] = Require(round!, "RoundSeconds").DeepClone(),
                ["eval_seconds"] = round!["EvalSeconds"]?.DeepClone(),
            })]),
            ["preparation_seconds"] = report["PreparationSeconds"]?.DeepClone(),
            ["total_seconds"] = report["TotalSeconds"]?.DeepClone(),
        };
    }
}
