// GET /api/v1/openapi.json - the OpenAPI 3.1 document of this API; public.
import { openApiDocument } from '@/lib/api/openapi';

export function GET() {
  return Response.json(openApiDocument());
}
