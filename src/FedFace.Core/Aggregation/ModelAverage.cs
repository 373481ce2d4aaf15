using System.Numerics.Tensors;

namespace FedFace.Core.Aggregation;

/// <summary>
/// The plain mean of several models of one layout, tensor by tensor (BatchNorm running statistics included). A
/// federation publishes the mean of its last global models (tail averaging, as stochastic weight averaging does): the
/// sites' per-round schedules never anneal the global model, so the last rounds' models scatter around a better one.
/// </summary>
public static class ModelAverage
{
    /// <summary>Σ models / count, summed in the order given (so the same models give the same bits).</summary>
    public static ModelState Mean(IReadOnlyList<ModelState> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0)
        {
            throw new ArgumentException("there is no model to average", nameof(models));
        }
        ModelState first = models[0];
        foreach (ModelState model in models.Skip(1))
        {
            if (model.Tensors.Count != first.Tensors.Count)
            {
                throw new ArgumentException($"the models to average differ in layout: {first.Tensors.Count} tensors against {model.Tensors.Count}", nameof(models));
            }
            foreach (NamedTensor tensor in first.Tensors)
            {
                if (!model.TryGet(tensor.Name, out NamedTensor other) || !other.HasShape(tensor.Shape))
                {
                    throw new ArgumentException($"the models to average differ in layout: not all have tensor '{tensor.Name}' with shape {tensor.ShapeText}", nameof(models));
                }
            }
        }
        float scale = 1f / models.Count;
        return new ModelState(first.Tensors.Select(tensor =>
        {
            float[] sum = (float[])tensor.Values.Clone();
            foreach (ModelState model in models.Skip(1))
            {
                TensorPrimitives.Add(sum, model[tensor.Name].Values, sum);
            }
            TensorPrimitives.Multiply(sum, scale, sum);
            return new NamedTensor(tensor.Name, (long[])tensor.Shape.Clone(), sum);
        }));
    }
}
