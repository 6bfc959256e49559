// The floor: the cheapest response a Worker can give. Every other scenario is a ratio to this.
export default {
  fetch() {
    return new Response('hello world', { headers: { 'content-type': 'text/plain' } });
  },
};
