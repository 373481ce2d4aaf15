using Microsoft.ML.OnnxRuntime;

namespace FedFace.Inference;

/// <summary>An ONNX file's <c>metadata_props</c>, where a model can say what it needs (FedFace writes its ModelCard there).</summary>
public static class OnnxModelMetadata
{
    /// <exception cref="FileNotFoundException">no file at <paramref name="modelPath"/>.</exception>
    /// <exception cref="InvalidDataException">the file is not a loadable ONNX model.</exception>
    public static IReadOnlyDictionary<string, string> Read(string modelPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        string path = Path.GetFullPath(modelPath);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"face-embedding model not found: {path}", path);
        }
        // Only the metadata is wanted: no graph optimisation, one thread.
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        try
        {
            using var session = new InferenceSession(path, options);
            return new Dictionary<string, string>(session.ModelMetadata.CustomMetadataMap, StringComparer.Ordinal);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{path} is not a loadable ONNX model: {e.Message}", e);
        }
    }
}
