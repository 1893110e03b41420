// GET /api/v1/openapi.json - the OpenAPI 3.1 document of this API; public.
import { withPublic } from '@/lib/api/handler';
import { openApiDocument } from '@/lib/api/openapi';

export const GET = withPublic(() => Response.json(openApiDocument()));
